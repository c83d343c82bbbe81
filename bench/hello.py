"""The practical limit: a hello-world Flask app, served like the real one (bench/load.py)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, Gambetta!"

"""La Grappe's rooms and coworking desks: spaces, requests, the week view, no double booking."""

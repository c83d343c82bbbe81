"""The volunteers' own pages: their hours and the calendar feed of their rounds (/volontaires)."""

"""The customer and admin web portal (Flask)."""

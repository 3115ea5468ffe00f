"""The driver's scanner page (/scan): see page.py."""

"""kiosk demo: the whole machine on a laptop, in a browser."""

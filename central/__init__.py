"""Reference central service: the other end of the kiosk MQTT contract (demo, tests, small sites).

Filled in by the circulation and central-link work; the package exists so that the layout, type
checks and imports are in place from the first commit.
"""

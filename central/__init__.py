"""Reference central service: the other end of the kiosk MQTT contract (demo, tests, small sites).

- :mod:`central.domain`   the circulation rules, pure and in-process (catalogue, patrons, holds,
                          loans, member libraries, exactly-once processing, exception queue)
- :mod:`central.store`    SQLite persistence of the domain and of the service's own tables
- :mod:`central.service`  MQTT message handling (sans-IO) and the runner on the broker
- :mod:`central.cli`      the ``kiosk-central`` command
"""

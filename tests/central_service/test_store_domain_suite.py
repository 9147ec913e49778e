"""The domain suite's scenarios, run again with the domain on SQLite.

The test functions are the domain suite's own; collected here, they get this folder's ``domain``
fixture (a SQLite file), so both repositories are held to the same behaviour.
"""

from __future__ import annotations

from test_central_checkin import *  # noqa: F403
from test_central_checkout import *  # noqa: F403
from test_central_holds import *  # noqa: F403
from test_central_lookups import *  # noqa: F403
from test_central_offline import *  # noqa: F403
from test_central_ordering import *  # noqa: F403
from test_central_renew import *  # noqa: F403
from test_central_staff import *  # noqa: F403

"""The review desk: pages where editors check and correct calls, and the public sections.

Server-rendered Jinja2 templates with a little JavaScript (``static/desk.js``), mounted into
the service app by :func:`mount_desk`. Needs the ``service`` extra.
"""

from __future__ import annotations

from newsdesk.errors import require

require("jinja2", feature="the review desk", extra="service")
require("multipart", feature="the review desk", extra="service")

from newsdesk.ui.mount import mount_desk  # noqa: E402
from newsdesk.ui.settings import DeskSettings  # noqa: E402

__all__ = ["DeskSettings", "mount_desk"]

"""Commands of custody and use (Art. 21–30), one module per duty:

* :mod:`.audit` — ``audit`` (Art. 21–23);
* :mod:`.stats` — ``stats`` (Art. 25) and ``due`` (Art. 5, 11);
* :mod:`.requests` — ``consult`` (Art. 27) and ``loan`` (Art. 28), one definition of their
  common commands;
* :mod:`.disposal` — ``disposal`` (Art. 29);
* :mod:`.customer` — ``customer update`` / ``history`` (Art. 26, 30) and ``customer dealing``
  (Art. 8, 26, 30).

Every command records who (``--by``, else the login name) and when, takes ``--json`` for
scripts, and refuses an impossible step with exit code 7 and the reason. Importing this
package registers them all on ``archiver``'s top group.
"""

from . import audit, customer, disposal, requests, stats

__all__ = ["audit", "customer", "disposal", "requests", "stats"]

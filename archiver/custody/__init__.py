"""Custody and use (Art. 21–30): audit, statistics, completeness, consultation and loan
registers, disposal and customer history.

Each module holds the rules of one duty as plain functions over plain data; the file
system is touched only by the few functions that say so. State of a workflow (a loan, a
destruction list) is never stored twice: it is derived by replaying its append-only
register (:mod:`archiver.register`) — in one place, :mod:`.state`, which every stage asks
what is held apart, lent, out for consultation or destroyed. The time and the actor come
from :mod:`archiver.clock` (the system clock, the login name or ``--by``).
"""

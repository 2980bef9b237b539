"""Disposal (销毁, Art. 29): expired volumes are listed, appraised, approved, held apart for
six months and only then destroyed under a named supervisor at a named place.

The workflow of one destruction list, each step an entry in ``registers/disposal.jsonl``::

    proposed ─► appraised (cs-manager) ─► appraised (originating-dept) ─► approved
      ─► [files move to hold/<list>/] ─► held ─► destroying ─► destroyed
                                          └──► restoring ─► cancelled   (disposal cancel)

A list is *proposed* by the records clerk (登记造册); the customer-service manager and the
leader of the originating department appraise it (共同鉴定) — two different people; the
customer director approves it (报客户总监批准), someone other than the appraisers. The
approved volumes (PDF + manifest) and their records (PDF + sidecar) then leave
``volumes/`` and ``records/`` for ``hold/<list>/`` under the same relative paths: out of
the catalogue, out of ``archiver build``'s reach, not lendable (单独存放半年). After the
hold (``custody.disposal_hold_months``, never under six) the files are destroyed and the
destruction register ``registers/destruction.jsonl`` — kept forever — records what (reference
codes, record ids, titles, SHA-256), when, where and the supervisor (监销人). During the
hold ``disposal cancel`` puts every file back exactly (same paths, same bytes, verified).

The modules, in the order data flows through them:

* :mod:`.rules` — pure: when a volume expires, what a list records of a volume, the
  approval and the end of the hold of a list, the appraisers' roles;
* :mod:`.lists` — the destruction lists read from the registers (through
  :mod:`archiver.custody.state`, the one view of custody state): one list, the summaries,
  the volumes due, the destruction totals;
* :mod:`.steps` — the workflow steps (propose, appraise, approve, cancel, destroy), each
  checked and recorded under the custody lock; the files move with
  :func:`archiver.atomic.move_verified`;
* :mod:`.copies` — at destruction, every copy the archive made of the material
  (superseded volumes, the build's cached forms, the catalogue's copies).

Every file is verified against the plan before a step is recorded
(:func:`.steps.check_plan`): before approval (the files in records/ and volumes/), before a
cancel (the files in the hold) and before destroying (经验证…再行销毁) — a file changed or
gone stops the step with nothing recorded or moved.

Crash safety (Art. 21). Before a single file moves, the ``approved`` (or ``restoring`` /
``destroying``) entry is written with the complete plan: every file's path and SHA-256.
Each file is then moved by :func:`~archiver.atomic.move_verified` — checked against the
plan, renamed (same file system), or copied, verified and only then removed at the source
— and is idempotent: a file already at its destination with the planned hash counts as
moved. The closing entry (``held`` / ``cancelled`` / ``destroyed``) is written last. A run
killed at any instant leaves the list in ``moving`` / ``restoring`` / ``destroying``; running
the same command again (``approve`` / ``cancel`` / ``destroy``) completes it, and ``cancel``
also rolls back an interrupted approval. Commit marks move last out and last in: a
record's sidecar leaves ``records/`` before its PDF and comes back after it.
"""

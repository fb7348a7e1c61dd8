"""The Mixpeek pack: every case of DESIGN decisions 26-31 (bucket operations, Bearer auth, the error
envelope, namespaces, the create body, the bucket out), checked over HTTP against any deployment.

It assumes no existing state: everything it creates lives in namespaces of its own
(``ctr-<run id>-N``), except the buckets that check the absent-header default, which it tracks; all
of it is deleted at the end of the run.
"""

"""The Dakkio pack: the semantic suites per resource (values by number, key types and bucket scope
per key, analytics, downsampling, webhooks), checked over HTTP against any deployment. It assumes no
existing state: it creates its own buckets (named with the run's prefix) and deletes them at the end."""

"""Deployment: per-function bundles, gcloud deploy commands, Scheduler jobs and the Cloud Tasks queue.

Run `python -m scripts.deploy --project P --region R --dry-run` to see the whole plan.
"""

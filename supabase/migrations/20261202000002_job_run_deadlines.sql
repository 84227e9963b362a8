-- A run that is killed (timeout, OOM, deploy) never writes its own end. Each run now states when it
-- must have finished; the next run of the same job closes the ones past their deadline as 'abandoned',
-- so nothing stays "running" forever.
alter table public.job_runs add column if not exists deadline_at timestamptz;
alter table public.job_runs drop constraint if exists job_runs_status_check;
alter table public.job_runs add constraint job_runs_status_check
  check (status in ('running', 'succeeded', 'partial', 'failed', 'abandoned'));
create index if not exists job_runs_running on public.job_runs (job, deadline_at) where status = 'running';

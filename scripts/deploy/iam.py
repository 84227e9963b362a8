"""Least-privilege IAM: one service account per function, secrets granted one by one, actAs where needed.

- `fn-<function>`: what each function runs as; `secretAccessor` on exactly the secrets its code reads.
- `fn-cron-fetch-analytics` also: `cloudtasks.enqueuer` on the fetch queue, and `iam.serviceAccountUser`
  (actAs) on the tasks account, because creating a task with an OIDC token acts as that account.
- `api-gateway`: the gateway's backend identity; the only `run.invoker` of every (private) function.
- `scheduler-invoker`, `tasks-invoker`: identities whose Google ID tokens Cloud Scheduler and Cloud Tasks
  present; they hold no role: the gateway checks the token, the function checks the exact account.
- `fn-builder`: builds the functions' images (`cloudbuild.builds.builder`), instead of the default
  compute account, which new projects no longer make an Editor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from functions.manifest import by_name
from scripts.deploy.config import DeployConfig
from scripts.deploy.gcloud import Command, Ensure, FunctionDeploy

SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"
ENQUEUER = "roles/cloudtasks.enqueuer"
ACT_AS = "roles/iam.serviceAccountUser"
BUILDER = "roles/cloudbuild.builds.builder"
ENQUEUING_FUNCTION = "cron_fetch_analytics"
SERVICES = (
    "cloudfunctions.googleapis.com",
    "run.googleapis.com",
    "cloudbuild.googleapis.com",
    "artifactregistry.googleapis.com",
    "cloudscheduler.googleapis.com",
    "cloudtasks.googleapis.com",
    "secretmanager.googleapis.com",
    "apigateway.googleapis.com",
    "servicemanagement.googleapis.com",
    "servicecontrol.googleapis.com",
    "iam.googleapis.com",
)


@dataclass
class Account:
    """One service account and everything granted to it."""

    email: str
    purpose: str
    secrets: list[str] = field(default_factory=list)  # Secret Manager secrets it may read, one binding each
    grants: list[str] = field(default_factory=list)  # other "role on resource"

    @property
    def account_id(self) -> str:
        return self.email.split("@", 1)[0]


def accounts(config: DeployConfig, deploys: list[FunctionDeploy]) -> list[Account]:
    """Every account the deploy creates, with its grants, functions first (manifest order)."""
    result = []
    for deploy in deploys:
        account = Account(
            deploy.service_account,
            f"runs {deploy.spec.deploy_name}",
            secrets=sorted({ref.secret for ref in deploy.secrets.values()}),
        )
        if deploy.spec.name == ENQUEUING_FUNCTION:
            tasks_id = config.tasks_sa.split("@")[0]
            account.grants += [f"{ENQUEUER} on queue {config.queue.name}", f"{ACT_AS} (actAs) on {tasks_id}"]
        result.append(account)
    result += [
        Account(
            config.gateway_sa,
            "API Gateway: its identity towards the functions",
            grants=[f"roles/run.invoker on each of the {len(deploys)} functions (their only invoker)"],
        ),
        Account(config.scheduler_sa, "Cloud Scheduler: OIDC identity the gateway and the crons check"),
        Account(config.tasks_sa, "Cloud Tasks: OIDC identity the gateway and the task worker check"),
        Account(config.build_sa, "builds the function images", grants=[f"{BUILDER} on the project"]),
    ]
    return result


def enable_services(config: DeployConfig) -> Command:
    return Command(
        ("gcloud", "services", "enable", *SERVICES, f"--project={config.project}"), "enable the APIs the deploy uses"
    )


def create_account(config: DeployConfig, account: Account) -> Ensure:
    """The deploy creates the account only when describe fails."""
    describe = Command(
        ("gcloud", "iam", "service-accounts", "describe", account.email, f"--project={config.project}"),
        f"does {account.account_id} exist?",
    )
    create = Command(
        (
            "gcloud",
            "iam",
            "service-accounts",
            "create",
            account.account_id,
            f"--project={config.project}",
            f"--display-name={account.purpose[:100]}",
        ),
        f"create {account.account_id}",
    )
    return Ensure(describe, create)


def grant_commands(config: DeployConfig, account: Account) -> list[Command]:
    """The bindings behind `account.grants` (invoker bindings are issued per function, after its deploy)."""
    member = f"--member=serviceAccount:{account.email}"
    commands = [
        Command(
            (
                "gcloud",
                "secrets",
                "add-iam-policy-binding",
                secret,
                f"--project={config.project}",
                member,
                f"--role={SECRET_ACCESSOR}",
            ),
            f"let {account.account_id} read {secret}",
        )
        for secret in account.secrets
    ]
    if account.email == config.function_sa(by_name(ENQUEUING_FUNCTION).deploy_name):
        commands.append(
            Command(
                (
                    "gcloud",
                    "tasks",
                    "queues",
                    "add-iam-policy-binding",
                    config.queue.name,
                    f"--project={config.project}",
                    f"--location={config.region}",
                    member,
                    f"--role={ENQUEUER}",
                ),
                f"let {account.account_id} enqueue fetch tasks",
            )
        )
        commands.append(
            Command(
                (
                    "gcloud",
                    "iam",
                    "service-accounts",
                    "add-iam-policy-binding",
                    config.tasks_sa,
                    f"--project={config.project}",
                    member,
                    f"--role={ACT_AS}",
                ),
                f"let {account.account_id} mint the tasks' OIDC tokens (actAs)",
            )
        )
    if account.email == config.build_sa:
        commands.append(
            Command(
                (
                    "gcloud",
                    "projects",
                    "add-iam-policy-binding",
                    config.project,
                    member,
                    f"--role={BUILDER}",
                    "--condition=None",
                ),
                "let fn-builder build functions",
            )
        )
    return commands


def iam_table(accounts_: list[Account]) -> str:
    """The README's IAM table (Markdown), from the same plan the deploy runs."""
    lines = [
        f"| Service account | Purpose | Secrets ({SECRET_ACCESSOR}, one binding each) | Other roles |",
        "|---|---|---|---|",
    ]
    for account in accounts_:
        lines.append(
            f"| `{account.account_id}` | {account.purpose} | {', '.join(account.secrets) or '—'} | "
            f"{'; '.join(account.grants) or '—'} |"
        )
    return "\n".join(lines)

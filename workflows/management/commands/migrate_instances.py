from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from workflows.exceptions import WorkflowError
from workflows.labels import local_time
from workflows.migration import (
    definition_version,
    load_mapping,
    migration_plan,
    migrations_apply,
    running_instances,
)


class Command(BaseCommand):
    help = (
        "Move the running instances of a process onto another version of it. --dry-run only "
        "reports, per instance, the step each task under way becomes, the data the new version "
        "needs and lacks, the timers that change and a verdict; without it the instances that "
        "can move are moved (each under its row lock, journaled) and the others are refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("process_id")
        parser.add_argument("--to-version", type=int, required=True, dest="version")
        parser.add_argument("--mapping", help='JSON file {"old BPMN task id": "new BPMN task id"}')
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument(
            "--instances",
            nargs="+",
            default=[],
            help="instance ids or business keys (default: all)",
        )
        parser.add_argument("--reason", default="", help="why, for the journal (needed to apply)")
        parser.add_argument(
            "--actor", default=None, help="username journaled as the one who migrates"
        )

    def handle(self, *args, process_id, version, mapping=None, dry_run=False, **options):
        try:
            target = definition_version(process_id, version)
            steps = load_mapping(Path(mapping).read_text(encoding="utf-8")) if mapping else {}
        except (WorkflowError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        instances = running_instances(process_id, target)
        if options["instances"]:
            ids = [int(v) for v in options["instances"] if v.isdigit()]
            instances = instances.filter(Q(pk__in=ids) | Q(business_key__in=options["instances"]))
        instances = list(instances)
        plans = [migration_plan(instance, target, steps) for instance in instances]
        self._table(plans)
        if dry_run or not instances:
            movable = sum(plan.ok for plan in plans)
            self.stdout.write(
                f"{movable} of {len(plans)} can move / {len(plans)} 件中 {movable} 件可迁移"
            )
            return
        if not options["reason"]:
            raise CommandError("give --reason for the journal / 请用 --reason 说明迁移理由")
        outcomes = migrations_apply(
            instances,
            target_definition=target,
            mapping=steps,
            actor=options["actor"],
            reason=options["reason"],
        )
        moved = sum(outcome.migration is not None for outcome in outcomes)
        self.stdout.write(f"{moved} migrated / 已迁移 {moved} 件")
        refused = [outcome for outcome in outcomes if outcome.refusal is not None]
        for outcome in refused:
            self.stdout.write(f"refused 拒绝: {outcome.refusal}")
        if refused:
            raise CommandError(f"{len(refused)} instance(s) refused / {len(refused)} 件被拒绝")

    def _table(self, plans) -> None:
        rows = [("instance", "case 案件", "from→to", "steps 环节", "verdict 结论", "why 说明")]
        for plan in plans:
            steps = ", ".join(
                f"{s.name}→{s.target or '✗'}" + (f" ({s.how})" if s.how not in ("", "id") else "")
                for s in plan.steps
            )
            notes = [f"{p.zh} / {p.en}" for p in plan.problems]
            notes += [
                f"{t.name}: {local_time(t.before)} → {local_time(t.after)}" for t in plan.timers
            ]
            rows.append(
                (
                    str(plan.instance.pk),
                    plan.instance.business_key,
                    f"v{plan.source.version}→v{plan.target.version}",
                    steps or "—",
                    f"{plan.verdict.zh} {plan.verdict.en}",
                    "; ".join(notes) or "—",
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[-1]]).rstrip())

from django.core.management.base import BaseCommand, CommandError

from workflows.anchors import verify_anchors
from workflows.journal import verify_all_chains, verify_chain
from workflows.models import ProcessInstance
from workflows.replay import ReplayError, replay_instance


class Command(BaseCommand):
    help = (
        "Verify the hash chain of every journal (or of one business key), and with --replay "
        "re-run each instance's inputs against its recorded states; non-zero if anything fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("chain", nargs="?", help="business key, e.g. a case number")
        parser.add_argument(
            "--replay", action="store_true", help="also replay every instance of the chain(s)"
        )

    def handle(self, *args, chain=None, replay=False, **options):
        verdicts = [verify_chain(chain)] if chain else verify_all_chains()
        # A chain whose entries were all deleted still has its head: that is broken, not absent.
        if chain and verdicts[0].entries == 0 and verdicts[0].intact:
            raise CommandError(f"no journal for {chain} / 没有 {chain} 的日志")
        broken = diverged = 0
        for verdict in verdicts:
            self.stdout.write(verdict.describe())
            broken += not verdict.intact
            if replay:
                diverged += self._replay(verdict.chain)
        anchor_verdict = verify_anchors()
        self.stdout.write(anchor_verdict.describe())
        problems = []
        if not anchor_verdict.intact:
            problems.append(f"{len(anchor_verdict.problems)} anchor check(s) failed / 锚点校验失败")
        if broken:
            problems.append(f"{broken} journal chain(s) broken / {broken} 条日志链被破坏")
        if diverged:
            problems.append(f"{diverged} replay(s) diverged / {diverged} 个流程回放不一致")
        if problems:
            raise CommandError("; ".join(problems))

    def _replay(self, chain: str) -> int:
        failures = 0
        for instance in ProcessInstance.objects.filter(business_key=chain).order_by("pk"):
            try:
                outcome = replay_instance(instance)
            except ReplayError as exc:
                self.stdout.write(f"{chain} instance {instance.pk}: cannot replay: {exc}")
                failures += 1
                continue
            self.stdout.write(f"{chain} instance {instance.pk}: {outcome.describe()}")
            failures += not outcome.verified
        return failures

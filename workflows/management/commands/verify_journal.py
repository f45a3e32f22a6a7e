from django.core.management.base import BaseCommand, CommandError

from workflows.journal import verify_all_chains, verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of every journal (or of one business key); non-zero if broken."

    def add_arguments(self, parser):
        parser.add_argument("chain", nargs="?", help="business key, e.g. a case number")

    def handle(self, *args, chain=None, **options):
        verdicts = [verify_chain(chain)] if chain else verify_all_chains()
        # A chain whose entries were all deleted still has its head: that is broken, not absent.
        if chain and verdicts[0].entries == 0 and verdicts[0].intact:
            raise CommandError(f"no journal for {chain} / 没有 {chain} 的日志")
        for verdict in verdicts:
            self.stdout.write(verdict.describe())
        broken = [v for v in verdicts if not v.intact]
        if broken:
            raise CommandError(
                f"{len(broken)} journal chain(s) broken / {len(broken)} 条日志链被破坏"
            )

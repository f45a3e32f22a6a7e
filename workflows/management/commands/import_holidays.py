from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workflows.exceptions import CalendarError
from workflows.holiday_notice import notice_import


class Command(BaseCommand):
    help = (
        "Enter a year's holiday arrangement from the text of the State Council's notice "
        "(国务院办公厅关于XXXX年部分节假日安排的通知), replacing that year's days; open deadlines "
        "counted in working days are recomputed and their owners told."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="the notice as UTF-8 text (see workflows/holiday_notice.py)"
        )
        parser.add_argument("--year", type=int, help="the year, when the text has no title")
        parser.add_argument(
            "--by", default="", help="who enters it (journaled); default: the command"
        )
        parser.add_argument("--reason", default="", help="a sentence for the people told")

    def handle(self, *args, file, year=None, by="", reason="", **options):
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc} / 无法读取文件") from exc
        try:
            change = notice_import(
                text=text, year=year, actor=by or "system:import_holidays", reason=reason
            )
        except CalendarError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{change.year}: {len(change.changed)} day(s) changed, "
            f"{change.deadlines_moved} deadline(s) recomputed / "
            f"{change.year} 年：{len(change.changed)} 天变更，{change.deadlines_moved} 个期限重新计算"
        )

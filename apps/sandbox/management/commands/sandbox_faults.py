"""Set, clear or show the sandbox's fault switches (a running `run_sandbox` picks changes up within a second)."""

from django.core.management.base import BaseCommand, CommandError

from apps.sandbox import faults

from ._switches import add_fault_arguments, describe, fault_values


class Command(BaseCommand):
    help = (
        "Set the fault switches of one upstream or all (only the values given change), clear them with --clear, "
        "or show them when given nothing."
    )

    def add_arguments(self, parser):
        add_fault_arguments(parser)
        parser.add_argument("--clear", action="store_true", help="switch every fault of the upstream(s) off")

    def handle(self, *args, **options):
        values = fault_values(options)
        given = {name: value for name, value in values.items() if value is not None}
        upstreams = options["upstream"]
        try:
            if options["clear"]:
                if given:
                    raise CommandError("--clear takes no switch values")
                current = faults.clear_faults(upstreams=upstreams)
            elif given:
                current = faults.set_faults(upstreams=upstreams, **given)
            else:
                current = faults.all_faults()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("Fault switches:")
        for line in describe(current):
            self.stdout.write(line)

"""What an import did, told to a person: counts, rejected rows with their reasons, remarks on kept rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class RowIssue:
    where: str  # "ligne 12", "entité 3 (Kozah)": how the person finds the row in their file
    reason: str
    line: int = 0  # orders the issues by line, whatever step found them


@dataclass
class ImportReport:
    """Counts keyed by English names (`created`, `unchanged`…), shown with the importer's French labels."""

    title: str
    labels: dict[str, str]
    counts: dict[str, int] = field(default_factory=dict)
    rejected: list[RowIssue] = field(default_factory=list)
    remarks: list[RowIssue] = field(default_factory=list)
    info: list[str] = field(default_factory=list)
    committed: bool = False

    def __post_init__(self) -> None:
        for key in self.labels:
            self.counts.setdefault(key, 0)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def reject(self, where: str, reason: str, line: int = 0) -> None:
        self.rejected.append(RowIssue(where, reason, line))
        self.count("rejected")

    def remark(self, where: str, reason: str, line: int = 0) -> None:
        self.remarks.append(RowIssue(where, reason, line))

    def render(self, max_remarks: int | None = 50) -> str:
        """The report as printed by the commands. Every rejected row is listed (each one needs fixing);
        remarks are cut at `max_remarks` (None: all)."""
        lines = [self.title, *self.info]
        lines += [f"  {label} : {self.counts.get(key, 0)}" for key, label in self.labels.items()]
        if self.rejected:
            lines.append(_("Rejets :"))
            lines += [f"  {issue.where} : {issue.reason}" for issue in sorted(self.rejected, key=lambda i: i.line)]
        if self.remarks:
            lines.append(_("Remarques :"))
            remarks = sorted(self.remarks, key=lambda i: i.line)
            shown = remarks if max_remarks is None else remarks[:max_remarks]
            lines += [f"  {issue.where} : {issue.reason}" for issue in shown]
            if len(shown) < len(self.remarks):
                lines.append(
                    _("  … et %(n)d autres remarques (--verbosity 2 pour tout voir).")
                    % {"n": len(self.remarks) - len(shown)}
                )
        if self.committed:
            lines.append(_("Écrit dans la base de données."))
        else:
            lines.append(_("Essai à blanc : rien n'a été écrit. Relancer avec --commit pour écrire."))
        return "\n".join(lines) + "\n"

"""The deadline sweep of cases: reminders before a deadline, 催辦 after it, escalation to the
supervisors (and the agency's designated contact) after two; the rules are in ``deadlines``."""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import Connection, insert, select, update

from handoff.cases import deadlines
from handoff.cases.actors import local_time
from handoff.cases.agencies_table import contact_email
from handoff.cases.notify import AGENCY, SUPERVISORS, Notifier
from handoff.storage.database import Database
from handoff.storage.schema import case_events, cases

SWEPT = ("dispatched", "accepted", "replied")


def record_event(c: Connection, case_id: int, at: float, actor: str, action: str, note: str | None) -> None:
    """One line of a case's audit trail."""
    c.execute(insert(case_events).values(case_id=case_id, at=at, actor=actor, action=action, note=note))


class DeadlineSweep:
    """Part of ``CaseService``: the periodic sweep (handoff/cases/watch.py runs it on the lease holder)."""

    db: Database
    notifier: Notifier
    now: Callable[[], float]

    async def sweep(self) -> dict[str, int]:
        """Send the reminders and escalations due now (``deadlines`` has the rules). Idempotent:
        a second sweep at the same ``now`` sends nothing."""
        ids = await self.db.read(lambda c: [r[0] for r in c.execute(
            select(cases.c.id).where(cases.c.status.in_(SWEPT)).order_by(cases.c.id))])
        totals = {"checked": len(ids), "reminders": 0, "overdue": 0, "escalations": 0}
        for case_id in ids:
            steps, sent = await self.db.write(partial(self._sweep_case, case_id=case_id))
            self.notifier.deliver(sent)
            for step in steps:
                key = "escalations" if step.stage == "escalate" else "overdue" if step.overdue else "reminders"
                totals[key] += 1
        return totals

    def _sweep_case(self, c: Connection, case_id: int) -> tuple[list[deadlines.Step], list[dict[str, Any]]]:
        row = c.execute(select(cases).where(cases.c.id == case_id).with_for_update()).first()
        if row is None:
            return [], []
        case = dict(row._mapping)
        taken = {e.note.split(" ", 1)[0]: e.at for e in c.execute(
            select(case_events.c.note, case_events.c.at).where(
                case_events.c.case_id == case_id, case_events.c.action.in_(("reminder", "escalated"))))
            if e.note}
        now = self.now()
        steps = list(deadlines.due_steps(case, taken, now))
        sent: list[dict[str, Any]] = []
        for step in steps:
            rule = deadlines.RULES[step.deadline]
            due = local_time(step.due)
            if step.stage == "before":
                kind, audiences = "reminder", [AGENCY]
                text = f"提醒：案件 {case['number']} 的{rule.label}期限為 {due}，即將到期。"
            elif step.overdue:
                count = step.stage.rsplit("-", 1)[1]
                kind, audiences = "overdue", [AGENCY]
                text = f"催辦第 {count} 次：案件 {case['number']} 的{rule.label}期限 {due} 已過，請儘速辦理。"
                case["reminders"] = (case["reminders"] or 0) + 1
            else:
                kind, audiences = "escalated", [SUPERVISORS, AGENCY]
                text = f"案件 {case['number']}（{case['agency']}）經催辦兩次仍未{rule.label}（期限 {due}），已陳報督導。"
                case["escalated_at"] = case.get("escalated_at") or now
            record_event(c, case_id, now, "system", "escalated" if kind == "escalated" else "reminder",
                        f"{step.key} {text}")
            sent += self.notifier.add(c, case, kind, text, audiences, now)
            if kind == "escalated":  # and to the agency's designated contact (the agencies table)
                sent += self.notifier.external(case, kind, text, contact_email(c, case["agency"]), now)
        if steps:
            c.execute(update(cases).where(cases.c.id == case_id).values(
                reminders=case["reminders"], escalated_at=case.get("escalated_at")))
        return steps, sent

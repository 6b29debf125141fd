"""Cases escalated to agencies (後送案件): lifecycle, deadlines, notifications (issue 6).

lifecycle.py   states and allowed transitions, CaseError
deadlines.py   due times and which reminder/escalation is due (pure functions of ``now``)
agencies.py    the suggested agency from the KB
notify.py      notification rows and e-mail (smtplib)
service.py     CaseService: every operation over the Database
wiring.py      the app's CaseService; watch.py the periodic sweep; cli.py ``hotline cases``
"""

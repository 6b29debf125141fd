"""Cases escalated to agencies (後送案件): lifecycle, deadlines, notifications (issue 6).

lifecycle.py   states and allowed transitions, CaseError
deadlines.py   due times and which reminder/escalation is due (pure functions of ``now``)
agencies.py    the suggested agency from the KB
notify.py      notification rows and e-mail (smtplib)
service.py     CaseService: every operation over the Database
watch.py       the periodic sweep (the app's CaseService is built in handoff/services.py); cli.py ``hotline cases``
"""

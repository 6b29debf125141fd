// announcements.js: filled by the KB upkeep work (issue 6)

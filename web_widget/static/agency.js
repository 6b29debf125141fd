// @ts-check
// The agency page (/agency): an agency user logs in and handles the cases dispatched to their own
// agency — accept or return with a reason, reply to the citizen, close — and reads notifications.

import { mountBoard } from "./cases_common.js";
import { startShell } from "./shell.js";

const view = /** @type {HTMLElement} */ (document.getElementById("agency-view"));

startShell({
  stores: { agency: "hotline.agency" },
  roles: { agency: "承辦機關" },
  view: "agency-view",
  wrongRole: "這個帳號不是承辦機關帳號。",
  forbidden: "這個帳號沒有機關案件權限。",
  onStart: ({ api, toast }) => mountBoard(view, { api, role: "agency", toast }),
  onLogout: () => view.replaceChildren(),
});

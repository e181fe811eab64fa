/** A seized phone gives little away: signing out and "Quick exit" wipe this device (issue 18). */
export const wipeEn = {
  quickExit: "Quick exit",
  quickExitHelp: "Erases Testigo from this phone, signs you out and opens another site.",
  continue: "Continue",
  signOutDialog: {
    title: "Reports not sent yet",
    body_one: "One report on this phone has not reached the server yet. Signing out erases it from this phone.",
    body_other: "{{count}} reports on this phone have not reached the server yet. Signing out erases them from this phone.",
    sendNow: "Send now",
    sending: "Sending…",
    stillWaiting_one: "One report could not be sent. Try again when you have signal, or discard it.",
    stillWaiting_other: "{{count}} reports could not be sent. Try again when you have signal, or discard them.",
    discard: "Discard and sign out",
    cancel: "Stay signed in",
  },
  settings: {
    title: "A phone that is taken",
    quickExitUrl: "Quick exit goes to",
    quickExitUrlHelp: "An https address of an ordinary site (a weather site, for example). Observers’ phones only open it; Testigo never contacts it.",
    draftTtlHours: "Drafts are kept on a phone for (hours)",
    draftTtlHoursHelp: "From 1 to 168 hours (a week). Older drafts are erased when Testigo opens.",
  },
  errors: {
    quickExitUrl: "Enter a full address that starts with https://, such as https://weather.com/.",
    draftTtlHours: "Enter a whole number of hours from 1 to 168.",
  },
  offline: {
    devNeedsBuild: "Offline mode needs the production build: run npm run build && npm start.",
  },
};

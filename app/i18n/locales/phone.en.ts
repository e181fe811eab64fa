/** The observer's phone (issue 18, items 1–4): the menu, the bar that stays on screen, /shifts for a thumb. */
export const phoneEn = {
  menu: "Menu",
  quickActions: "Quick actions",
  callHotline: "Call hotline",
  view: "Show shifts as",
  list: "List",
  map: "Map",
  mapLabelsHelp: "Each zone is labelled with its name; the colour says whether it has open spots.",
  home: {
    onShift: "You are checked in at {{zone}}.",
  },
};

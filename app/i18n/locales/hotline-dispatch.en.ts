/** A dispatch the hotline sent to verify a call: the same alert, saying who asked (not a coordinator). */
export const hotlineDispatchEn = {
  banner: {
    title: "The hotline is asking you to check a call in {{zone}}",
    announce: "New alert from the hotline: go to {{place}} and check a call.",
  },
  push: {
    title: "The hotline is asking you to check a call",
  },
  email: {
    body: "The hotline got a call about {{zone}} and is asking the observers checked in nearby to go and see what is happening (sent at {{time}}).",
  },
  page: {
    note: "Note from the hotline",
  },
};

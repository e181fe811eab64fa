/** Page links under a long list (/coordinate/observers): they work without JavaScript. */
export const pagerEn = {
  pages: "Pages",
  showing: "Showing {{from}}–{{to}} of {{total}}",
  page: "Page {{page}} of {{pages}}",
  previous: "Previous page",
  next: "Next page",
  first: "First page",
  last: "Last page",
  selectPage: "Select everyone on this page",
};

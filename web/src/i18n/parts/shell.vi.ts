/** Tiếng Việt for ./shell.en.ts: exactly the same keys. */
export const viShell = {
  'shortcuts.title': 'Phím tắt',
  'shortcuts.close': 'Đóng',
  'shortcuts.then': 'rồi',
  'shortcuts.help': 'Hiện bảng trợ giúp này',
  'shortcuts.key.space': 'Dấu cách',
  'shortcuts.group.general': 'Chung',
  'shortcuts.group.navigation': 'Đi đến',
  'shortcuts.goIncidents': 'Hàng đợi sự cố',
  'shortcuts.goOverview': 'Bảng tổng quan',
  'shortcuts.goRules': 'Luật phát hiện',
  'shortcuts.goReports': 'Báo cáo',
  'shortcuts.button': 'Phím tắt (?)',
};

/** English strings of the console shell: keyboard shortcuts and their help overlay. */
export const enShell = {
  'shortcuts.title': 'Keyboard shortcuts',
  'shortcuts.close': 'Close',
  'shortcuts.then': 'then',
  'shortcuts.help': 'Show this help',
  'shortcuts.key.space': 'Space',
  'shortcuts.group.general': 'General',
  'shortcuts.group.navigation': 'Go to',
  'shortcuts.goIncidents': 'Incident queue',
  'shortcuts.goOverview': 'Overview dashboard',
  'shortcuts.goRules': 'Rules',
  'shortcuts.goReports': 'Reports',
  'shortcuts.button': 'Keyboard shortcuts (?)',
} as const;

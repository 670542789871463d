"""Import and export, the operators' adapter beside the CLI: files, progress, platforms.

`files` reads CSV, Excel and JSON into `handlers.transfer.importing.Table`
and writes `handlers.views.Spreadsheet` as CSV, .xlsx or JSON; `progress`
shows an import going; `people` asks Slack or Feishu about owners given by
email. The rules of an import live in `handlers.transfer`.
"""

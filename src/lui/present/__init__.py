"""What the published marts are shown as: charts and tables shared by the app and the report."""

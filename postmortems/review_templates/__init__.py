"""Review templates: team leads manage their team's layouts of the review."""

"""What organizers watch: hourly counts and their tally, milestones, sources and
breakdowns, the dashboard, district maps, and petition deliveries to targets."""

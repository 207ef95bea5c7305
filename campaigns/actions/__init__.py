"""Actions as organizers write them and supporters find them: campaigns and their actions,
the public listings and pages, stories, follows and the updates sent to followers, uploads."""

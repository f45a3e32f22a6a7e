"""Records access (查档利用): the open catalog's access levels and people's access requests."""

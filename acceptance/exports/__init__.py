"""Files the acceptance domain writes for people: catalogs, volume catalogs, reports."""

"""The open catalog (开放目录): access levels of the accepted archives' records, the public search
over their catalog and the public pages and API that show it."""

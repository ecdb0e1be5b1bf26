"""Store, crawl bookkeeping (steps 1, 3 and 4 of the data flow): sources and the schedule, the URLs
discovery found, what came back of the fetches, and the crawl runs as operators read them."""

"""The samenwerkingsconvenant register: the agreements under which organisations receive
residents' data, kept by the privacy officer. The rule that reads them is policy
(`policies.convenant`); this package stores them and shows them."""

//! An operator runs two networks (or a wallet makes two proof tables) in quick succession:
//! each lookup table is its own. A table's address comes from its authority and a recent
//! slot, and the lookup-table program accepts "create" on a table that already exists, so two
//! tables made from the same slot would be one table holding both sets of addresses: a
//! second network's addresses appended to the first network's table, the first network's
//! table no longer found for the second.
use civnet_harness::lookup::{self, network_addresses, sub_network_addresses};
use civnet_harness::{Chain, Cluster, Pubkey, Signer};

#[test]
fn two_networks_made_in_one_slot_get_a_lookup_table_each() {
    let mut chain = Chain::new();
    let operator = chain.funded_keypair(10);
    let (first, second) = (Pubkey::new_unique(), Pubkey::new_unique());
    let wanted = |network: &Pubkey| {
        let mut addresses = network_addresses(network, &Pubkey::new_unique());
        addresses.extend(sub_network_addresses(&Pubkey::new_unique()));
        addresses
    };
    let (first_wanted, second_wanted) = (wanted(&first), wanted(&second));

    // The first network's table, made from the current slot (as a `migrate` a moment ago did).
    let slot = chain.recent_slot();
    let (first_key, transactions) = lookup::create_table_transactions(&operator.pubkey(), &operator.pubkey(), slot, &first_wanted);
    for instructions in &transactions {
        chain.send_ok(instructions, &[&operator]);
    }
    assert_eq!(chain.recent_slot(), slot, "still the slot the first table was made from");
    let first_table = lookup::fetch_table(&chain, &first_key).expect("the first table").table;
    // The second network's, while the cluster's recent slot has not moved.
    let (second_table, added) = lookup::ensure_table(&mut chain, &operator, None, &second_wanted).unwrap();
    assert_ne!(second_table.key, first_table.key, "a table of its own");
    assert_eq!(added, second_wanted.len());

    for (table, expected, network) in [(&first_table, &first_wanted, &first), (&second_table, &second_wanted, &second)] {
        let on_chain = lookup::fetch_table(&chain, &table.key).expect("the table exists");
        assert_eq!(&on_chain.table.addresses, expected, "each table holds its own network's addresses, nothing else");
        assert_eq!(on_chain.authority, Some(operator.pubkey()));
        assert_eq!(on_chain.table.addresses[0], *network, "its network first: how `find_network_table` tells it");
    }
}

# A network is imported by name. One this provider did not create
# (managed = false) is never removed by destroy.
terraform import molecule_network.fleet molecule-fleet-net

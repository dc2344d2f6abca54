# A workspace made by this provider is imported by its workspace_id; import
# reads /configs back into config_files.
terraform import molecule_workspace.researcher 3f0c5a7e-1d2b-4c3a-9e8f-0a1b2c3d4e5f

# A workspace the Molecule platform made (label molecule.platform.managed=true)
# is adopted with the prefix "platform:": the next apply switches its platform
# record to external and recreates the container on the same volumes.
terraform import molecule_workspace.researcher platform:3f0c5a7e-1d2b-4c3a-9e8f-0a1b2c3d4e5f

# A platform record is imported by its id. The platform shows a workspace's
# token only when it creates it, so auth_token is empty after import.
terraform import molecule_platform_workspace.researcher 3f0c5a7e-1d2b-4c3a-9e8f-0a1b2c3d4e5f

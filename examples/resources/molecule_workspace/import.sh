# A workspace is imported by its workspace_id. The container must carry this
# provider's ownership labels (that is, it was created by this provider).
terraform import molecule_workspace.researcher 3f0c5a7e-1d2b-4c3a-9e8f-0a1b2c3d4e5f

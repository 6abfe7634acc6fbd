"""What opslint knows about repositories, apart from AWS services (``opslint.aws``): CI
definitions and what they validate and deploy (``pipelines``), which Terraform modules are
deployed roots (``terraform_roots``)."""

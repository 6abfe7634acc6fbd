# Shared data stores of the shop.

resource "aws_dynamodb_table" "carts" {
  name         = "shop-carts"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "cart_id"

  attribute {
    name = "cart_id"
    type = "S"
  }
}

resource "aws_efs_file_system" "media" {
  creation_token = "shop-media"
  encrypted      = true
}

"""finlora_train: LoRA-family adapter training for the FinLoRA benchmark."""

"""What the processes of one deployment share: leadership leases and wake-up signals."""

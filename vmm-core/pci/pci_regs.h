/* PCI Local Bus 3.0 type-0 header offsets and bits the core uses. */
#ifndef SPLITVM_PCI_REGS_H
#define SPLITVM_PCI_REGS_H

#define PCI_VENDOR_ID          0x00
#define PCI_DEVICE_ID          0x02
#define PCI_COMMAND            0x04
#define  PCI_COMMAND_IO        0x0001
#define  PCI_COMMAND_MEMORY    0x0002
#define  PCI_COMMAND_MASTER    0x0004
#define  PCI_COMMAND_INTX_OFF  0x0400
#define PCI_STATUS             0x06
#define  PCI_STATUS_CAP_LIST   0x0010
#define  PCI_STATUS_ERRORS     0xf900   /* parity, aborts, SERR: write 1 to clear */
#define PCI_REVISION_ID        0x08
#define PCI_CLASS_PROG         0x09
#define PCI_HEADER_TYPE        0x0e
#define PCI_BAR0               0x10
#define  PCI_BAR_MEM_64        0x04
#define  PCI_BAR_MEM_PREFETCH  0x08
#define  PCI_BAR_FLAGS         0x0f     /* type bits below the address */
#define PCI_SUBSYSTEM_VENDOR   0x2c
#define PCI_SUBSYSTEM_ID       0x2e
#define PCI_CAPABILITY_LIST    0x34
#define PCI_INTERRUPT_LINE     0x3c
#define PCI_INTERRUPT_PIN      0x3d

#define PCI_CLASS_BRIDGE_HOST  0x060000

#define PCI_CAP_ID_VNDR        0x09
#define PCI_CAP_ID_MSIX        0x11

#define PCI_CFG_SIZE           256      /* conventional config space */
#define PCI_ECAM_FN_SIZE       4096     /* what ECAM maps per function */
#define PCI_CAP_START          0x40
#define PCI_NUM_BARS           6
#define PCI_SLOTS              32

#endif

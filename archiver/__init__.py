"""archiver — turns a folder of scanned paper documents into a well-kept customer archive,
under the policy 客户档案管理制度 (see ../shared/policy-map.md)."""

__version__ = "0.1.0"

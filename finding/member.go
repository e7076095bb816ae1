package finding

// MemberSep separates a container from a member inside it in a location
// path: "model.zip!weights/data.pkl", and "a.zip!b.tar!c.pkl" when nested.
const MemberSep = "!"

// JoinMember joins a container path and a member name with MemberSep; an
// empty side leaves the other as it is.
func JoinMember(outer, inner string) string {
	switch {
	case outer == "":
		return inner
	case inner == "":
		return outer
	}
	return outer + MemberSep + inner
}
